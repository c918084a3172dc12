import sys

from author_studio.cli import main

sys.exit(main())
