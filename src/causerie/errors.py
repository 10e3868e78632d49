"""The exception tree. Every error a user can meet names its input and the problem.

CauserieError
 ├── ConfigError            bad settings file or value
 ├── InputError             a user-supplied input is unusable (names the input)
 │    ├── UnsupportedFormat  no loader for this file type / URL scheme
 │    ├── LoaderError        the file is malformed, empty, too large, ...
 │    └── BlockedURL         a URL points at a loopback/private/link-local address
 ├── NotFound               a notebook, source or conversation that does not exist (for this owner)
 ├── StoreError             the database failed
 ├── ProviderError          the model backend failed
 │    ├── ProviderUnavailable  unreachable server, missing model file
 │    ├── MissingCredentials   no API key where one is needed
 │    └── MissingDependency    an optional extra is not installed (carries the install hint)
 └── EmbedderError          the embedding backend failed
"""

from __future__ import annotations


class CauserieError(Exception):
    """Base of every error Causerie raises on purpose."""


class ConfigError(CauserieError):
    pass


class InputError(CauserieError):
    def __init__(self, input_name: str, problem: str) -> None:
        self.input_name = input_name
        self.problem = problem
        super().__init__(f"{input_name}: {problem}")


class UnsupportedFormat(InputError):
    pass


class LoaderError(InputError):
    pass


class BlockedURL(InputError):
    pass


class NotFound(CauserieError):
    pass


class StoreError(CauserieError):
    pass


class ProviderError(CauserieError):
    pass


class ProviderUnavailable(ProviderError):
    pass


class MissingCredentials(ProviderError):
    pass


class MissingDependency(ProviderError):
    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"the '{package}' package is not installed; install it with: "
            f"pip install 'causerie[{extra}]'"
        )


class EmbedderError(CauserieError):
    pass
