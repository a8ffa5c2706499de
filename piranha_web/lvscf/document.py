"""The lossless lvs.cf document and its edit operations.

A :class:`Document` is a list of line nodes and blocks (see :mod:`.syntax`).  Line nodes are
never changed in place (an edit puts a new node in the list), so :meth:`Document.copy` can share
them and only copy the lists.  Every edit is
addressed by name (``virtual="web"``, ``server="rs1"``), never by position, and changes only
the lines it must:

* ``set`` splices the new value into the existing line (token by token when the number of
  tokens stays the same), so setting a value back restores the original bytes;
* a key that is not there yet is inserted at its place in Piranha's GUI key order, indented
  like its neighbours;
* new blocks use the Piranha GUI layout (``virtual NAME {``, keys at 5 spaces, ``server NAME {``
  at 5, server keys at 9, no blank lines) and are placed after the last block of their kind, so
  adding and then deleting one restores the original bytes;
* deleting or moving a block takes the comment and blank lines directly above it along;
* every rendered line is tokenized again and must yield exactly the intended tokens (and no
  more than the C parser's 99 per line), so no value can inject a line, a key or a brace;
* ``failover`` blocks are edited like ``virtual`` ones: every method that takes a virtual
  server's name also takes ``kind="failover"``;
* a document remembers what it was when it was parsed or copied (the top-level items, and the
  lines of each top-level block before its first edit), so ``changes()`` lists the changed lines
  by looking only at the blocks the edits touched, and ``reread_changes()`` parses just those
  blocks again to prove they read back as intended.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar, cast

from piranha_web.errors import (
    AmbiguousNameError,
    DuplicateNameError,
    EditError,
    NotFoundError,
    ParseError,
)
from piranha_web.lvscf import schema
from piranha_web.lvscf.changed_lines import ChangedLines, Hunk, diff_lines
from piranha_web.lvscf.schema import Kind
from piranha_web.lvscf.syntax import (
    BLANKS,
    MAX_TOKENS,
    Block,
    Closer,
    Opener,
    QuotingError,
    Statement,
    Token,
    Trivia,
    tokenize,
)
from piranha_web.lvscf.values import check_text, check_word, render_string

if TYPE_CHECKING:
    from piranha_web.lvscf.model import Config

Node = Trivia | Statement | Block
P = ParamSpec("P")
R = TypeVar("R")
Value = str | Sequence[str] | None

VIRTUAL_KEY_INDENT = "     "
SERVER_KEY_STEP = "    "


def _block_text(block: Block) -> str:
    """A block's lines joined (leading trivia first); a block has at least its opener."""
    return "\n".join(block.lines())


def check_name(name: str) -> None:
    """Refuse a block name the C parser would not read back as one token."""
    check_word(None, name, "name")


def _edit(method: Callable[Concatenate[Document, P], R]) -> Callable[Concatenate[Document, P], R]:
    """Mark a Document method as an edit: what was derived from the old content is dropped
    (before it runs, and again after it: nothing derived from a half-done edit survives)."""

    def wrapper(document: Document, /, *args: P.args, **kwargs: P.kwargs) -> R:
        document.derived = {}
        document._changes = None
        try:
            return method(document, *args, **kwargs)
        finally:
            document.derived = {}
            document._changes = None

    functools.update_wrapper(wrapper, method)
    return wrapper


def _reorders(
    method: Callable[Concatenate[Document, P], R],
) -> Callable[Concatenate[Document, P], R]:
    """Mark an edit that adds, removes, renames or moves top-level blocks: the name index is
    dropped before and after it (value edits keep it, see ``Document._touch``)."""

    def wrapper(document: Document, /, *args: P.args, **kwargs: P.kwargs) -> R:
        document._names = {}
        try:
            return method(document, *args, **kwargs)
        finally:
            document._names = {}

    functools.update_wrapper(wrapper, method)
    return wrapper


class Document:
    """An lvs.cf file as line nodes; ``dumps()`` renders it byte for byte.

    ``items`` is read-only for callers: change a document through its methods, so that
    ``derived`` (the model and findings computed from this content, shared with unedited
    copies) is dropped whenever the content changes.
    """

    def __init__(
        self,
        items: list[Node] | None = None,
        final_newline: bool = True,
        derived: dict[str, object] | None = None,
        *,
        sizes: dict[int, tuple[Block, int]] | None = None,
        memo: dict[int, tuple[Block, dict[str, object]]] | None = None,
        names: dict[str, dict[str, list[Block]]] | None = None,
        shared: bool = False,
    ) -> None:
        self.items: list[Node] = items if items is not None else []
        self.final_newline = final_newline
        self.derived: dict[str, object] = derived if derived is not None else {}
        #: an opaque tag of what the unedited content is (the store puts its revision there)
        self.origin: str | None = None
        self._base: list[Node] = list(self.items)
        #: what was derived from that content (edits replace ``derived``, never this)
        self.base_derived: dict[str, object] = self.derived
        #: id(top-level block) -> (block, number of lines), kept while the block is unedited
        self._sizes: dict[int, tuple[Block, int]] = sizes if sizes is not None else {}
        #: id(top-level block) -> (block, what was computed from it), kept while it is unedited
        self._memo: dict[int, tuple[Block, dict[str, object]]] = memo if memo is not None else {}
        #: kind -> top-level blocks by name; never changed in place (copies share it), kept
        #: through value edits (``_touch`` swaps in the edited copy of a block)
        self._names: dict[str, dict[str, list[Block]]] = names if names is not None else {}
        #: top-level blocks may be shared with copies: they are copied before their first edit
        self._owns_all = not shared
        #: id(block) -> block, for the top-level blocks this document may change in place
        self._owned: dict[int, Block] = {}
        #: id(edited copy of a block) -> id(the block in ``_base`` it was copied from)
        self._origin: dict[int, int] = {}
        #: id(top-level block) -> (block, its raw lines and their blocks before the first edit)
        self._before: dict[int, tuple[Block, list[str], list[str]]] = {}
        #: what ``changes()`` found, until the next edit
        self._changes: ChangedLines | None = None
        #: what edits of this document did beyond the values asked for, in words (e.g. an
        #: inline comment kept on its own line); a copy starts with none
        self.notes: list[str] = []

    def copy(self) -> Document:
        """An independent document, cheap to make: line nodes are never mutated and top-level
        blocks are shared until one of the two documents edits one (it edits a copy).

        The copy's ``changes()`` start from its content now.
        """
        self._owns_all = False
        self._owned = {}
        live = {id(item) for item in self.items}
        memo = {key: known for key, known in self._memo.items() if key in live}
        return Document(list(self.items), self.final_newline, self.derived,
                        sizes=dict(self._sizes), memo=memo, names=self._names, shared=True)

    # ------------------------------------------------------------------ what changed

    def changes(self) -> ChangedLines:
        """The lines changed since this document was parsed or copied, in file order.

        Only the top-level blocks that edits touched (and the top-level lines added, removed
        or moved) are compared; every other block is skipped by its line count.
        """
        if self._changes is not None:
            return self._changes
        old_units, new_units = self._base, self.items
        origin = self._origin
        old_ids = [id(u) for u in old_units]
        new_ids = [origin.get(id(u), id(u)) for u in new_units]
        opcodes: Sequence[tuple[str, int, int, int, int]]
        if old_ids == new_ids:  # no top-level unit added, removed or moved: the common case
            opcodes = [("equal", 0, len(old_ids), 0, len(new_ids))]
        else:  # e.g. serial_no replaced: the runs that differ, not difflib over every unit
            from piranha_web.lvscf.line_diff import changed, with_equal  # `check` never diffs

            opcodes = with_equal(changed(old_ids, new_ids), len(old_ids), len(new_ids))
        hunks: list[Hunk] = []
        old_line = new_line = 1
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                for unit in new_units[j1:j2]:
                    before = self._before.get(id(unit))
                    if before is None or before[0] is not unit:
                        size = self._size(unit)
                        old_line += size
                        new_line += size
                        continue
                    new_raw, new_where = _unit_lines(unit)
                    hunks += diff_lines(before[1], new_raw, old_line, new_line, before[2],
                                        new_where)
                    old_line += len(before[1])
                    new_line += len(new_raw)
                continue
            old_raw: list[str] = []
            old_where: list[str] = []
            for unit in old_units[i1:i2]:
                raw, where = self._old_lines(unit)
                old_raw += raw
                old_where += where
            new_raw, new_where = [], []
            for unit in new_units[j1:j2]:
                raw, where = _unit_lines(unit)
                new_raw += raw
                new_where += where
            hunks += diff_lines(old_raw, new_raw, old_line, new_line, old_where, new_where)
            old_line += len(old_raw)
            new_line += len(new_raw)
        self._changes = ChangedLines(tuple(hunks))
        return self._changes

    def blocks_since_base(self) -> tuple[list[Block], list[Block]]:
        """``(gone, new)``: top-level blocks of the content this document was parsed or copied
        with that are no longer in it, and blocks that were not.  An edited block is both: its
        old version gone, its edited version new (the same object when it was edited in place,
        a copy when it was shared)."""
        now = {id(u) for u in self.items}
        before = {id(u) for u in self._base}
        edited = [u for u in self.items if isinstance(u, Block) and id(u) in before
                  and self._before.get(id(u), (None,))[0] is u]
        gone = [u for u in self._base if isinstance(u, Block) and id(u) not in now]
        new = [u for u in self.items if isinstance(u, Block) and id(u) not in before]
        return gone + edited, new + edited

    def reread_changes(self) -> None:
        """Parse the changed top-level blocks and lines again on their own: each must read back
        with the same structure and words (:class:`EditError` when one does not)."""
        from piranha_web.lvscf.parser import parse  # the parser builds Documents

        base = {id(u) for u in self._base}
        for unit in self.items:
            if id(unit) in base and id(unit) not in self._before:
                continue
            raw, _ = _unit_lines(unit)
            try:
                reread = parse("\n".join(raw) + "\n")
            except ParseError as err:
                raise EditError(None, f"an edited block does not read back: {err}") from err
            if _shape(reread.items) != _shape([unit]):
                raise EditError(None, "an edited block does not read back as it was written")

    def _touch(self, block: Block) -> Block:
        """Before an edit of a top-level block: make it this document's own (a copy when it is
        shared) and remember its lines before the first edit (for ``changes``)."""
        if not self._owns_all and self._owned.get(id(block)) is not block:
            own = _copy_block(block)
            self.items[_index_of(self.items, block)] = own
            self._names = _swapped(self._names, block, own)
            self._owned[id(own)] = own
            self._origin[id(own)] = self._origin.get(id(block), id(block))
            before = self._before.pop(id(block), None)
            if before is not None and before[0] is block:
                self._before[id(own)] = (own, before[1], before[2])
            self._sizes.pop(id(block), None)
            self._memo.pop(id(block), None)
            block = own
        before = self._before.get(id(block))
        if before is None or before[0] is not block:
            raw, where = _unit_lines(block)
            self._before[id(block)] = (block, raw, where)
        self._sizes.pop(id(block), None)
        self._memo.pop(id(block), None)
        return block

    def memoized(self, block: Block, name: str, compute: Callable[[Block], R]) -> R:
        """``compute(block)`` for a top-level block, kept until an edit touches the block.

        For results that depend on nothing but the block's own lines (the rules use it to
        validate only the blocks an edit touched).  Copies share the results of the blocks
        they share.
        """
        known = self._memo.get(id(block))
        if known is None or known[0] is not block:
            known = self._memo[id(block)] = (block, {})
        if name not in known[1]:
            known[1][name] = compute(block)
        return cast(R, known[1][name])

    def _size(self, unit: Node) -> int:
        if not isinstance(unit, Block):
            return 1
        known = self._sizes.get(id(unit))
        if known is not None and known[0] is unit:
            return known[1]
        size = len(unit.lines())
        self._sizes[id(unit)] = (unit, size)
        return size

    def _old_lines(self, unit: Node) -> tuple[list[str], list[str]]:
        before = self._before.get(id(unit))
        if before is not None and before[0] is unit:
            return before[1], before[2]
        return _unit_lines(unit)

    # ------------------------------------------------------------------ rendering

    def lines(self) -> list[str]:
        """Raw lines in file order (those of unedited blocks are kept from the last call)."""
        out: list[str] = []
        for item in self.items:
            if isinstance(item, Block):
                out.extend(self.memoized(item, "lines", Block.lines))
            else:
                out.append(item.raw)
        return out

    def dumps(self) -> str:
        """The document as text; equal to the parsed text until something is edited.

        The text of each unedited top-level block is kept from the last call: rendering a
        large file after an edit joins about one string per block, not one per line.
        """
        if not self.items:
            return ""
        parts = [self.memoized(item, "text", _block_text) if isinstance(item, Block)
                 else item.raw for item in self.items]
        if self.final_newline:
            parts.append("")  # joined in: one copy of a large text, not two
        return "\n".join(parts)

    def walk(self) -> list[tuple[int, Node | Opener | Closer, tuple[Block, ...]]]:
        """``(line_number, node, enclosing_blocks)`` for every line, in file order."""
        out: list[tuple[int, Node | Opener | Closer, tuple[Block, ...]]] = []
        append = out.append

        def visit(items: Sequence[Node], parents: tuple[Block, ...]) -> None:
            for item in items:
                if isinstance(item, Block):
                    for trivia in item.leading:
                        append((len(out) + 1, trivia, parents))
                    inner = (*parents, item)
                    append((len(out) + 1, item.opener, inner))
                    visit(item.body, inner)
                    if item.closer is not None:
                        append((len(out) + 1, item.closer, inner))
                else:
                    append((len(out) + 1, item, parents))

        visit(self.items, ())
        return out

    def line_of(self, node: Node | Opener) -> int:
        """Current 1-based line number of a node (an opener or a block's opener line)."""
        target = node.opener if isinstance(node, Block) else node
        for number, seen, _ in self.walk():
            if seen is target:
                return number
        raise NotFoundError("node is not part of this document")

    # ------------------------------------------------------------------ navigation

    def blocks(self, kind: str | None = None) -> list[Block]:
        """Top-level blocks (``virtual``/``failover``), optionally of one kind."""
        return [i for i in self.items if isinstance(i, Block) and kind in (None, i.kind)]

    def virtual_names(self) -> list[str]:
        return [b.name for b in self.blocks("virtual")]

    def find_virtual(self, name: str, kind: str = "virtual") -> Block:
        """The ``virtual`` (or ``failover``) block called ``name``.

        :class:`AmbiguousNameError` when several share the name (a hand edit): an action must
        hit the block the user chose, and here nobody can tell which one that is.
        """
        found = self._named(kind).get(name, [])
        if len(found) > 1:
            raise AmbiguousNameError(f"the {kind} server {name!r}", len(found),
                                     [self.line_of(block) for block in found])
        if found:
            return found[0]
        raise NotFoundError(f"there is no {kind} server called {name!r}")

    def _named(self, kind: str) -> dict[str, list[Block]]:
        """Top-level blocks of ``kind`` by name, in file order; built once and shared with
        copies, kept through value edits (a form's ACCEPT sets a dozen keys, each looking its
        block up), dropped by the edits that add, remove, rename or move blocks."""
        kept = self._names.get(kind)
        if kept is not None:
            return kept
        index: dict[str, list[Block]] = {}
        for block in self.blocks(kind):
            index.setdefault(block.name, []).append(block)
        self._names = {**self._names, kind: index}
        return index

    def find_server(self, virtual: str, server: str, kind: str = "virtual") -> Block:
        """The real server ``server`` of virtual (or failover) server ``virtual``.

        :class:`AmbiguousNameError` when several real servers there share the name.
        """
        found = [item for item in self.find_virtual(virtual, kind).body
                 if isinstance(item, Block) and item.name == server]
        if len(found) > 1:
            raise AmbiguousNameError(f"the real server {server!r} of virtual server {virtual!r}",
                                     len(found), [self.line_of(block) for block in found])
        if found:
            return found[0]
        raise NotFoundError(f"virtual server {virtual!r} has no real server called {server!r}")

    def _scope(
        self, virtual: str | None, server: str | None, kind: str = "virtual"
    ) -> tuple[list[Node], str, Block | None]:
        if virtual is None:
            if server is not None:
                raise NotFoundError("a real server needs its virtual server's name")
            return self.items, "global", None
        if server is None:
            block = self.find_virtual(virtual, kind)
            return block.body, block.kind, block
        block = self.find_server(virtual, server, kind)
        return block.body, "server", block

    def _edit_scope(
        self, virtual: str | None, server: str | None, kind: str = "virtual"
    ) -> tuple[list[Node], str, Block | None]:
        """``_scope`` for an edit: the top-level block it is in is made its own first."""
        if virtual is not None:
            self._touch(self.find_virtual(virtual, kind))
        return self._scope(virtual, server, kind)

    def statements(
        self, *, virtual: str | None = None, server: str | None = None, kind: str = "virtual"
    ) -> list[Statement]:
        body, _, _ = self._scope(virtual, server, kind)
        return [i for i in body if isinstance(i, Statement)]

    def get(
        self, key: str, *, virtual: str | None = None, server: str | None = None,
        kind: str = "virtual",
    ) -> str | None:
        """The raw value of ``key`` (last occurrence, quotes removed), or None if absent."""
        found = [s for s in self.statements(virtual=virtual, server=server, kind=kind)
                 if s.key == key]
        return found[-1].value if found else None

    def model(self) -> Config:
        """A typed, read-only snapshot with Piranha's defaults filled in."""
        from piranha_web.lvscf.model import Config, build_config

        config = self.derived.get("model")
        if not isinstance(config, Config):
            config = self.derived["model"] = build_config(self)
        return config

    # ------------------------------------------------------------------ key edits

    @_edit
    def set(
        self, key: str, value: Value, *, virtual: str | None = None, server: str | None = None,
        kind: str = "virtual",
    ) -> None:
        """Set ``key`` in the global scope, a virtual (or failover) server or a real server.

        ``value`` is a string (split on single spaces for two-word keys such as ``address``),
        a sequence of value tokens, or None to remove the key.
        """
        if value is None:
            self.unset(key, virtual=virtual, server=server, kind=kind)
            return
        body, scope, block = self._edit_scope(virtual, server, kind)
        keyspec = schema.spec(scope, key)
        if keyspec is None:
            raise EditError(key, f"Piranha does not know the key {key!r} here")
        if isinstance(value, str):
            words = [value] if keyspec.arity == 1 else value.split(" ")
        else:
            words = list(value)
        if keyspec.arity is not None and len(words) != keyspec.arity:
            raise EditError(key, f"needs exactly {keyspec.arity} value(s), got {len(words)}")
        existing = [s for s in body if isinstance(s, Statement) and s.key == key]
        if existing:
            stmt = self._lift_inline_comment(body, existing[-1], virtual, server)
            raw, tokens = _finish_line(_splice(stmt, key, keyspec, words), key, words)
            body[_index_of(body, stmt)] = Statement(raw, tokens)
            return
        rendered = [_render(key, keyspec, w, None) for w in words]
        position = _insert_position(body, scope, key)
        indent = self._new_key_indent(body, position, block)
        raw, tokens = _finish_line(f"{indent}{key} = {' '.join(rendered)}", key, words)
        body.insert(position, Statement(raw, tokens))

    @_edit
    def unset(
        self, key: str, *, virtual: str | None = None, server: str | None = None,
        kind: str = "virtual",
    ) -> None:
        """Remove every line that sets ``key`` in that scope (no-op when absent)."""
        body, _, _ = self._edit_scope(virtual, server, kind)
        for stmt in [i for i in body if isinstance(i, Statement) and i.key == key]:
            self._lift_inline_comment(body, stmt, virtual, server)
        body[:] = [i for i in body if not (isinstance(i, Statement) and i.key == key)]

    def _lift_inline_comment(self, body: list[Node], stmt: Statement, virtual: str | None,
                             server: str | None) -> Statement:
        """Keep the ``# comment`` after a value that is about to change, on its own line.

        pulse reads ``key = value # note`` as three values (a ``#`` starts a comment only at the
        start of a line), so an edited line is written without it; the comment's text goes on
        a comment line of its own directly above (same indent), and :attr:`notes` says so.
        Returns the statement (without the comment) that now stands where ``stmt`` stood.
        """
        try:
            values = stmt.values
        except QuotingError:
            return stmt
        comment = next((t for t in values if not t.quote and t.text.startswith("#")), None)
        if comment is None:
            return stmt
        text = stmt.raw[comment.start:].rstrip(BLANKS)
        bare = Statement(stmt.raw[: comment.start].rstrip(BLANKS))
        index = _index_of(body, stmt)
        body[index : index + 1] = [Trivia(stmt.indent + text), bare]
        where = ", ".join(f"{label} {name}" for label, name in
                          (("virtual", virtual), ("server", server)) if name) or "global"
        self.notes.append(f"the comment {text!r} after {stmt.key} ({where}) was kept on its "
                          "own line above it: pulse would read it as part of the value")
        return bare

    def set_active(
        self, active: bool, *, virtual: str, server: str | None = None, kind: str = "virtual"
    ) -> None:
        """Switch a virtual (or failover) or real server on or off (``active = 1``/``0``)."""
        self.set("active", "1" if active else "0", virtual=virtual, server=server, kind=kind)

    def _new_key_indent(self, body: list[Node], position: int, block: Block | None) -> str:
        """Indent of the statement next to ``position``, else derived from the block opener.

        The first key of a real server is indented like the keys of its sibling servers.
        """
        before = [i for i in body[:position] if isinstance(i, Statement)]
        after = [i for i in body[position:] if isinstance(i, Statement)]
        if before or after:
            return (before[-1] if before else after[0]).indent
        if block is None:
            return ""
        if block.kind == "server":
            return self._sibling_key_indent(block) or block.opener.indent + SERVER_KEY_STEP
        servers = [i for i in body if isinstance(i, Block)]
        if servers:
            return servers[0].opener.indent
        return block.opener.indent + VIRTUAL_KEY_INDENT

    def _sibling_key_indent(self, server: Block) -> str | None:
        """The key indent of another real server of the same virtual server, if any has keys."""
        for parent in self.blocks():
            if any(item is server for item in parent.body):
                for sibling in parent.body:
                    if isinstance(sibling, Block) and sibling is not server:
                        stmts = [i for i in sibling.body if isinstance(i, Statement)]
                        if stmts and stmts[0].indent.startswith(sibling.opener.indent):
                            step = stmts[0].indent[len(sibling.opener.indent) :]
                            return server.opener.indent + step
        return None

    # ------------------------------------------------------------------ block edits

    @_edit
    @_reorders
    def add_virtual(
        self,
        name: str,
        values: Mapping[str, Value] | None = None,
        *,
        kind: str = "virtual",
        before: str | None = None,
    ) -> Block:
        """Append a new virtual (or failover) block after the last one, or before ``before``."""
        check_name(name)
        if kind not in ("virtual", "failover"):
            raise EditError(None, f"unknown block kind {kind!r}")
        if any(b.name == name for b in self.blocks(kind)):
            raise DuplicateNameError(f"a {kind} server called {name!r} already exists")
        block = _new_block(kind, name, "")
        if before is not None:
            index = _index_of(self.items, self.find_virtual(before, kind))
        else:
            index = _after_last_block(self.items, kind)
        self.items.insert(index, block)
        self._names = {}  # the values are set next, looking the new block up by name
        self._owned[id(block)] = block
        self._fill(block, values, virtual=name, kind=kind)
        return block

    @_edit
    def add_server(
        self,
        virtual: str,
        name: str,
        values: Mapping[str, Value] | None = None,
        *,
        before: str | None = None,
        kind: str = "virtual",
    ) -> Block:
        """Add a real server to ``virtual`` after its last one, or before server ``before``."""
        check_name(name)
        parent = self._touch(self.find_virtual(virtual, kind))
        servers = [i for i in parent.body if isinstance(i, Block)]
        if any(s.name == name for s in servers):
            raise DuplicateNameError(f"virtual server {virtual!r} already has a server {name!r}")
        if servers:
            indent = servers[-1].opener.indent
        else:
            stmts = [i for i in parent.body if isinstance(i, Statement)]
            indent = stmts[-1].indent if stmts else parent.opener.indent + VIRTUAL_KEY_INDENT
        block = _new_block("server", name, indent)
        if before is not None:
            index = _index_of(parent.body, self.find_server(virtual, before, kind))
        elif servers:
            index = _index_of(parent.body, servers[-1]) + 1
        else:
            index = len(parent.body)
            while index > 0 and isinstance(parent.body[index - 1], Trivia):
                index -= 1
        parent.body.insert(index, block)
        self._fill(block, values, virtual=virtual, server=name, kind=kind)
        return block

    def _fill(
        self,
        block: Block,
        values: Mapping[str, Value] | None,
        *,
        virtual: str,
        server: str | None = None,
        kind: str = "virtual",
    ) -> None:
        try:
            for key in schema.ORDER["server" if server else kind]:
                if values and values.get(key) is not None:
                    self.set(key, values[key], virtual=virtual, server=server, kind=kind)
            unknown = set(values or ()) - set(schema.ORDER["server" if server else kind])
            if unknown:
                raise EditError(sorted(unknown)[0], "Piranha does not know this key here")
        except Exception:
            container = self.items if server is None else self.find_virtual(virtual, kind).body
            del container[_index_of(container, block)]
            raise

    @_edit
    @_reorders
    def remove_virtual(self, name: str, kind: str = "virtual") -> None:
        """Delete a virtual (or failover) block with its real servers and leading comments."""
        del self.items[_index_of(self.items, self.find_virtual(name, kind))]

    @_edit
    def remove_server(self, virtual: str, server: str, kind: str = "virtual") -> None:
        """Delete a real server block with the comments directly above it."""
        parent = self._touch(self.find_virtual(virtual, kind))
        del parent.body[_index_of(parent.body, self.find_server(virtual, server, kind))]

    @_edit
    @_reorders
    def rename_virtual(self, old: str, new: str, kind: str = "virtual") -> None:
        """Rename a virtual server in place; its lines and servers stay as they are."""
        block = self.find_virtual(old, kind)
        if new == old:
            return
        check_name(new)
        if any(b.name == new for b in self.blocks(kind)):
            raise DuplicateNameError(f"a {kind} server called {new!r} already exists")
        _rename(self._touch(block), new)

    @_edit
    def rename_server(self, virtual: str, old: str, new: str, kind: str = "virtual") -> None:
        """Rename a real server in place."""
        self.find_server(virtual, old, kind)  # NotFoundError before anything changes
        if new == old:
            return
        check_name(new)
        parent = self.find_virtual(virtual, kind)
        if any(isinstance(i, Block) and i.name == new for i in parent.body):
            raise DuplicateNameError(f"virtual server {virtual!r} already has a server {new!r}")
        self._touch(parent)
        _rename(self.find_server(virtual, old, kind), new)

    @_edit
    @_reorders
    def move_virtual(self, name: str, before: str | None, kind: str = "virtual") -> None:
        """Move a block (with its leading comments) before ``before``, or after the last one."""
        block = self.find_virtual(name, kind)
        if before == name:
            return
        if before is not None:
            self.find_virtual(before, kind)  # NotFoundError before anything moves
        origin = _index_of(self.items, block)
        del self.items[origin]
        if before is not None:
            index = _index_of(self.items, self.find_virtual(before, kind))
        elif any(isinstance(i, Block) for i in self.items):
            index = _after_last_block(self.items, kind)
        else:
            index = origin  # the only block: it already is the last one
        self.items.insert(index, block)

    @_edit
    def move_server(
        self, virtual: str, name: str, before: str | None, kind: str = "virtual"
    ) -> None:
        """Move a real server before server ``before``, or after the last real server."""
        self.find_server(virtual, name, kind)  # NotFoundError before anything moves
        if before == name:
            return
        if before is not None:
            self.find_server(virtual, before, kind)
        parent = self._touch(self.find_virtual(virtual, kind))
        block = self.find_server(virtual, name, kind)
        origin = _index_of(parent.body, block)
        del parent.body[origin]
        servers = [i for i in parent.body if isinstance(i, Block)]
        if before is not None:
            index = _index_of(parent.body, self.find_server(virtual, before, kind))
        elif servers:
            index = _index_of(parent.body, servers[-1]) + 1
        else:
            index = origin  # the only real server: it already is the last one
        parent.body.insert(index, block)


# ---------------------------------------------------------------------- helpers


def _swapped(names: dict[str, dict[str, list[Block]]], old: Block,
             new: Block) -> dict[str, dict[str, list[Block]]]:
    """``names`` with ``new`` in the place of ``old`` (the same kind and name), copied: the
    index may be shared with other documents."""
    index = names.get(old.kind)
    if index is None:
        return names
    same = index.get(old.name, [])
    return {**names, old.kind: {**index, old.name: [new if b is old else b for b in same]}}


def _index_of(items: Sequence[Node], node: Node) -> int:
    """Position of ``node`` itself (not of an equal copy, e.g. a duplicate block)."""
    for index, item in enumerate(items):
        if item is node:
            return index
    raise NotFoundError("node is not part of this document")


def _unit_lines(unit: Node) -> tuple[list[str], list[str]]:
    """Raw lines of a top-level item and, for each, the blocks it is in (``where``)."""
    if not isinstance(unit, Block):
        return [unit.raw], ["global"]
    raw: list[str] = []
    wheres: list[str] = []

    def visit(block: Block, outer: str) -> None:
        for trivia in block.leading:
            raw.append(trivia.raw)
            wheres.append(outer)
        here = f"{block.kind} {block.name}" if outer == "global" else (
            f"{outer} / {block.kind} {block.name}")
        raw.append(block.opener.raw)
        wheres.append(here)
        for item in block.body:
            if isinstance(item, Block):
                visit(item, here)
            else:
                raw.append(item.raw)
                wheres.append(here)
        if block.closer is not None:
            raw.append(block.closer.raw)
            wheres.append(here)

    visit(unit, "global")
    return raw, wheres


def _shape(items: Sequence[Node]) -> list[tuple[object, ...]]:
    """Each line as the parser classified it, with its depth and words (to compare parses)."""
    out: list[tuple[object, ...]] = []

    def visit(nodes: Sequence[Node], depth: int) -> None:
        for node in nodes:
            if isinstance(node, Block):
                out.extend(("trivia", depth, t.raw) for t in node.leading)
                out.append(("open", depth, node.kind, node.name))
                visit(node.body, depth + 1)
                if node.closer is not None:
                    out.append(("close", depth, node.closer.raw))
            elif isinstance(node, Trivia):
                out.append(("trivia", depth, node.raw))
            else:
                out.append(("statement", depth, tuple(node.words), node.quoting_error))

    visit(items, 0)
    return out


def _copy_block(block: Block) -> Block:
    return Block(
        block.opener,
        [_copy_block(i) if isinstance(i, Block) else i for i in block.body],
        block.closer,
        list(block.leading),
    )


def _new_block(kind: str, name: str, indent: str) -> Block:
    opener_raw = f"{indent}{kind} {name} {{"
    tokens = tokenize(opener_raw)
    if [t.text for t in tokens] != [kind, name, "{"]:
        raise EditError(None, f"the name {name!r} cannot be written safely")
    return Block(Opener(opener_raw, tokens), [], Closer(f"{indent}}}"))


def _rename(block: Block, new: str) -> None:
    token = block.opener.tokens[1]
    # checked names never need quotes (and a quoted name without blanks followed by " {"
    # would be a quotation mismatch for the C parser)
    raw = block.opener.raw[: token.start] + new + block.opener.raw[token.end :]
    try:
        tokens = tokenize(raw)
    except QuotingError as err:
        raise EditError(None, f"the name {new!r} cannot be written safely") from err
    if [t.text for t in tokens] != [block.kind, new, "{"]:
        raise EditError(None, f"the name {new!r} cannot be written safely")
    block.opener = Opener(raw, tokens)


def _after_last_block(items: list[Node], kind: str) -> int:
    """Index just after the last top-level block of ``kind`` (else of any kind, else the end)."""
    for wanted in (kind, None):
        for index in range(len(items) - 1, -1, -1):
            item = items[index]
            if isinstance(item, Block) and wanted in (None, item.kind):
                return index + 1
    return len(items)


def _insert_position(body: list[Node], scope: str, key: str) -> int:
    """Where a new ``key`` line goes: after its GUI-order predecessor, else before a successor."""
    order = schema.ORDER[scope]
    rank = order.index(key)
    last_before = -1
    first_after = -1
    for index, item in enumerate(body):
        if isinstance(item, Statement) and item.key in order:
            if order.index(item.key) < rank:
                last_before = index
            elif first_after < 0:
                first_after = index
    if last_before >= 0:
        return last_before + 1
    if first_after >= 0:
        return first_after
    for index, item in enumerate(body):
        if isinstance(item, (Block, Statement)):
            return index
    if scope == "global":
        return len(body)
    index = len(body)
    while index > 0 and isinstance(body[index - 1], Trivia):
        index -= 1
    return index


def _render(key: str, keyspec: schema.KeySpec, word: str, old: Token | None) -> str:
    """Render one value token, keeping the old token's quoting style where it can carry it."""
    if keyspec.kind is Kind.STRING:
        if old is not None and not old.quote:
            return render_string(key, word, bare_ok=True)
        return render_string(key, word, quote=old.quote if old is not None else '"')
    check_text(key, word)
    check_word(key, word)
    if old is not None and old.quote:
        return f"{old.quote}{word}{old.quote}"
    return word


def _splice(stmt: Statement, key: str, keyspec: schema.KeySpec, words: list[str]) -> str:
    raw = stmt.raw
    old = stmt.values
    if not stmt.has_equals:
        return f"{stmt.indent}{key} = {' '.join(_render(key, keyspec, w, None) for w in words)}"
    if len(old) == len(words):
        for token, word in sorted(zip(old, words, strict=True), key=lambda p: -p[0].start):
            raw = raw[: token.start] + _render(key, keyspec, word, token) + raw[token.end :]
    elif old:
        joined = " ".join(_render(key, keyspec, w, None) for w in words)
        raw = raw[: old[0].start] + joined + raw[old[-1].end :]
    else:
        equals = stmt.tokens[1]
        joined = " ".join(_render(key, keyspec, w, None) for w in words)
        raw = raw[: equals.end] + " " + joined + raw[equals.end :].rstrip(BLANKS)
    return raw


def _finish_line(raw: str, key: str, words: list[str]) -> tuple[str, list[Token]]:
    """Tokenize a rendered line and make sure it reads back as exactly ``key = words``.

    A quoted value without blanks followed by trailing blanks is a quotation mismatch for the
    C parser, so trailing blanks are dropped when that is what it takes.
    """
    for candidate in (raw, raw.rstrip(BLANKS)):
        try:
            tokens = tokenize(candidate)
        except QuotingError:
            continue
        if [t.text for t in tokens] == [key, "=", *words]:
            if len(tokens) > MAX_TOKENS:
                raise EditError(key, f"{len(tokens)} words on one line: Piranha's parser keeps "
                                f"only the first {MAX_TOKENS} and silently drops the rest")
            return candidate, tokens
        break
    raise EditError(key, "the value cannot be written safely into lvs.cf")
