"""``python -m syndicate``: the ``syndicate`` command line (how the server starts its worker)."""

from syndicate.cli import main

if __name__ == "__main__":
    main(prog_name="syndicate")
