from ltobms.cli import main

raise SystemExit(main())
