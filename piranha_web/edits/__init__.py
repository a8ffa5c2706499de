"""What a form's fields mean for lvs.cf, without Flask: shared by panels, the REST API and the
role policy.

A module per subject (``global_settings``, ``redundancy``, ``server``, ``monitoring``) gives
its field names, help texts, the values a form is filled with (``initial_values``), the checks
of typed values (:mod:`.checks`) and the edit functions that write changed fields
(``Edit = Callable[[Document], None]``, applied by ``piranha_web.save_service``);
:mod:`.common` has what they share (``shown_value``, ``set_or_unset``, ``check_new_name``,
``Problems``).  The web panels add forms and pages on top (their ``form.py`` re-exports what
moved here); nothing here imports the web layer.
"""
