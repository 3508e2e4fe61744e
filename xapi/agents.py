"""Who a statement is about: one person, whichever identifier the statement uses.

xAPI identifies an Agent by exactly one inverse functional identifier (IFI):
`mbox`, `mbox_sha1sum`, `account` {homePage, name} or `openid` (xAPI 1.0.3
§2.4.2.1). The same learner reaches us as an `mbox` from the xAPI package, as a
Moodle `account` from cmi5, and as a row of a Moodle report, so every identifier
becomes a *key* string, and keys that belong to one person are joined in
`Identities` (union-find):

- an mbox joins its own SHA-1 sums, so `mbox` and `mbox_sha1sum` statements of one
  address match without configuration. The sum is taken over `mailto:` + the
  address with the domain lower-cased (the part RFC 5321 makes case-insensitive)
  and, when it differs, over the whole address lower-cased, as many tools do;
- a provider may declare that several identifiers are one person in a *people
  file* (JSON or YAML): a list of identifier sets, each a list of agents, e.g.

      - - mbox: mailto:ana.novak@example.si
        - account: {homePage: https://moodle.example.si, name: anovak}

Nothing is merged by name: two people may share one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .input_warning import InputWarning

IFIS = ("mbox", "mbox_sha1sum", "account", "openid")
HEX = frozenset("0123456789abcdef")


class AgentError(ValueError):
    """An agent without a usable inverse functional identifier."""


def mbox_sha1sum(mbox: str) -> str:
    """The xAPI mbox_sha1sum of a `mailto:` IRI (hex SHA-1 of the whole IRI)."""
    return hashlib.sha1(mbox.encode("utf-8")).hexdigest()


def normal_mbox(mbox: str) -> str:
    """`mailto:` + the address with scheme and domain lower-cased; AgentError if it is no mailto IRI."""
    if not isinstance(mbox, str) or mbox[:7].lower() != "mailto:" or "@" not in mbox:
        raise AgentError(f"mbox: expected a 'mailto:' IRI with an address, found {mbox!r}")
    local, _, domain = mbox[7:].rpartition("@")
    if not local or not domain:
        raise AgentError(f"mbox: expected a 'mailto:' IRI with an address, found {mbox!r}")
    return f"mailto:{local}@{domain.lower()}"


def normal_home_page(home_page: str) -> str:
    # Moodle's wwwroot has no trailing slash; people type one on the command line.
    return home_page.rstrip("/")


def agent_keys(agent: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys of an agent: its IFI's key first, then the keys that must match it (an mbox's SHA-1 sums).

    Raises AgentError when the agent has no IFI, more than one, or a malformed one.
    """
    if not isinstance(agent, Mapping):
        raise AgentError(f"expected an agent object, found {type(agent).__name__}")
    present = [name for name in IFIS if name in agent]
    if len(present) != 1:
        found = ", ".join(present) or "none"
        raise AgentError(f"expected exactly one of {', '.join(IFIS)} (found {found})")
    name = present[0]
    value = agent[name]
    if name == "mbox":
        mbox = normal_mbox(value)
        sums = dict.fromkeys((mbox_sha1sum(mbox), mbox_sha1sum(mbox.lower())))
        return (f"mbox:{mbox}", *(f"mbox_sha1sum:{s}" for s in sums))
    if name == "mbox_sha1sum":
        if not isinstance(value, str) or len(value) != 40 or not set(value.lower()) <= HEX:
            raise AgentError(f"mbox_sha1sum: expected 40 hexadecimal digits, found {value!r}")
        return (f"mbox_sha1sum:{value.lower()}",)
    if name == "account":
        if not isinstance(value, Mapping):
            raise AgentError(f"account: expected {{homePage, name}}, found {value!r}")
        home, user = value.get("homePage"), value.get("name")
        if not isinstance(home, str) or not home or not isinstance(user, str) or not user:
            raise AgentError(f"account: expected a homePage IRL and a name, found {dict(value)!r}")
        return (account_key(home, user),)
    if not isinstance(value, str) or not value:
        raise AgentError(f"openid: expected a URI, found {value!r}")
    return (f"openid:{value}",)


def account_key(home_page: str, name: str) -> str:
    # An IRL holds no space, so the first space separates homePage from name.
    return f"account:{normal_home_page(home_page)} {name}"


def agent_of_key(key: str) -> dict[str, Any]:
    """The xAPI agent a key stands for (the inverse of the first key of agent_keys)."""
    kind, _, value = key.partition(":")
    if kind == "account":
        home, _, name = value.partition(" ")
        return {"objectType": "Agent", "account": {"homePage": home, "name": name}}
    if kind not in IFIS:
        raise ValueError(f"not an agent key: {key!r}")
    return {"objectType": "Agent", kind: value}


def clean_agent(agent: Mapping[str, Any]) -> dict[str, Any]:
    """The agent with its IFI normalised and its name kept: what the ledger stores."""
    result = agent_of_key(agent_keys(agent)[0])
    name = agent.get("name")
    if isinstance(name, str) and name:
        result["name"] = name
    return result


# Preferred identifier of a person for display and for the credential: an address
# a person can read first, a hash last.
KEY_PREFERENCE = {"mbox": 0, "account": 1, "openid": 2, "mbox_sha1sum": 3}


def preferred_key(keys: Iterable[str]) -> str:
    return min(keys, key=lambda k: (KEY_PREFERENCE[k.partition(":")[0]], k))


class Identities:
    """Union-find over agent keys: `same(a, b)` joins two keys, `find(k)` names a key's person."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()) -> None:
        self._parent: dict[str, str] = {}
        for group in groups:
            self.same(*group)

    def find(self, key: str) -> str:
        parent = self._parent
        root = key
        while parent.get(root, root) != root:
            root = parent[root]
        while key != root:  # path compression
            key, parent[key] = parent[key], root
        return root

    def same(self, *keys: str) -> None:
        if not keys:
            return
        first = self.find(keys[0])
        self._parent.setdefault(first, first)
        for key in keys[1:]:
            root = self.find(key)
            if root != first:
                # The smaller key wins, so the result does not depend on the order of joins.
                low, high = sorted((first, root))
                self._parent[high] = low
                self._parent.setdefault(low, low)
                first = low

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every joined key with its root: enough to rebuild the same sets."""
        for key in self._parent:
            root = self.find(key)
            if root != key:
                yield key, root

    def groups(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """The given keys grouped by person (root key -> sorted keys)."""
        grouped: dict[str, list[str]] = {}
        for key in keys:
            grouped.setdefault(self.find(key), []).append(key)
        return {root: sorted(members) for root, members in grouped.items()}


@dataclass(frozen=True)
class People:
    """A people file read: its identifier sets joined, and what it says that is not what it seems."""

    identities: Identities
    warnings: tuple[InputWarning, ...] = ()


class PeopleFileError(ValueError):
    """A people file that is not a list of identifier sets; prints as path:line: field: message."""

    def __init__(self, path: str, line: int, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = path, line, field, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def load_people(path: Path) -> People:
    """Read a people file (JSON or YAML): a list of identifier sets, each a list of agents.

    Every set becomes one person. Two sets that share an identifier become one person
    too, which the file does not say: each such identifier is an InputWarning naming
    both items. Raises PeopleFileError naming the file, line and item.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PeopleFileError(str(path), 0, "", f"cannot read the people file: {error}") from error
    if path.suffix.lower() == ".json":
        # JSON is read as JSON (YAML would accept things JSON does not); lines come from YAML below.
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise PeopleFileError(str(path), error.lineno, "", f"expected JSON: {error.msg}") from error
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise PeopleFileError(str(path), line, "", f"expected YAML: {getattr(error, 'problem', error)}") from error

    def line_of(container: Any, index: int) -> int:
        try:
            return container.lc.item(index)[0] + 1
        except (AttributeError, KeyError, TypeError):
            return getattr(getattr(container, "lc", None), "line", -1) + 1

    if not isinstance(data, list):
        raise PeopleFileError(str(path), 1, "", "expected a list of identifier sets (each a list of agents)")
    identities = Identities()
    warnings: list[InputWarning] = []
    owner: dict[str, tuple[int, int]] = {}  # key -> (set, item) that first named it
    warned: set[tuple[int, int]] = set()  # (set, earlier set) pairs already warned about
    for set_index, people in enumerate(data):
        if not isinstance(people, list) or not people:
            raise PeopleFileError(
                str(path), line_of(data, set_index), f"[{set_index}]", "expected a non-empty list of agents"
            )
        keys: list[str] = []
        for index, agent in enumerate(people):
            try:
                agent_key_list = agent_keys(agent)
            except AgentError as error:
                raise PeopleFileError(
                    str(path), line_of(people, index), f"[{set_index}][{index}]", str(error)
                ) from None
            keys.extend(agent_key_list)
            for key in agent_key_list:
                first = owner.setdefault(key, (set_index, index))
                if first[0] != set_index and (set_index, first[0]) not in warned:
                    warned.add((set_index, first[0]))
                    warnings.append(
                        InputWarning(
                            str(path),
                            line_of(people, index),
                            f"[{set_index}][{index}]",
                            f"{agent_key_list[0]} is also in identifier set [{first[0]}] "
                            f"(line {line_of(data[first[0]], first[1])}), so the two sets are merged into one person",
                        )
                    )
        identities.same(*keys)
    return People(identities, tuple(warnings))
