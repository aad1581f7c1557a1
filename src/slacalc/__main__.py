from slacalc._cli import main

raise SystemExit(main())
