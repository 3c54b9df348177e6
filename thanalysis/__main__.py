import sys

from thanalysis.cli import main

sys.exit(main())
