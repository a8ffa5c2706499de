"""keepalived on this router: keepalived.conf written atomically, ``keepalived -t``, reload.

The I/O side of the keepalived engine (the translation itself is pure, in
:mod:`piranha_web.lvscf.keepalived`).  :mod:`.files` writes the file, :mod:`.service` validates,
applies and reloads and reads keepalived's state.
"""
