"""codeassist: a repository-aware coding assistant that runs on your machine."""

__version__ = "0.1.0"
