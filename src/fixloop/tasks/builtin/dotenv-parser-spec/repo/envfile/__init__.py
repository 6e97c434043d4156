"""Read and write `.env` files."""

from envfile.dump import dump_dotenv
from envfile.errors import DotenvError
from envfile.parse import parse_dotenv

__all__ = ["DotenvError", "dump_dotenv", "parse_dotenv"]
