"""`python -m archlang`: the `archlang` command."""

from archlang.cli import main

if __name__ == "__main__":
    main()
