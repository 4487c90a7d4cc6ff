"""Reading the TOML configuration files of soapgap's Python commands (learn, cross-validate):
one place for the file errors and the typed, checked access to a table's keys."""

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: the tomli package (a dependency there)
    import tomli as tomllib

__all__ = ["Table", "read_toml"]


def read_toml(path):
    """The file's top-level table; ValueError naming the file when missing or malformed."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ValueError("%s: no such configuration file" % path) from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError("%s: %s" % (path, e)) from None


class Table:
    """Reads keys from one TOML table, remembering which were used, with typed errors."""

    def __init__(self, data, where):
        if not isinstance(data, dict):
            raise ValueError("%s: expected a table" % where)
        self.data = dict(data)
        self.where = where

    def get(self, key, kind, default=None, required=False):
        if key not in self.data:
            if required:
                raise ValueError("%s: missing required key %r" % (self.where, key))
            return default
        value = self.data.pop(key)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError("%s: %s = %r: expected %s" % (self.where, key, value,
                                                           getattr(kind, "__name__", str(kind))))
        return value

    def positive(self, key, kind, default=None, required=False, allow_zero=False):
        value = self.get(key, kind, default, required)
        if value is not None and (value < 0 or (value == 0 and not allow_zero)):
            raise ValueError("%s: %s = %r: expected a %s number" % (self.where, key, value,
                                                                   "non-negative" if allow_zero else "positive"))
        return value

    def finish(self):
        if self.data:
            raise ValueError("%s: unknown key(s): %s" % (self.where, ", ".join(sorted(self.data))))
