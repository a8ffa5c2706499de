"""What a form's fields mean for lvs.cf, without Flask: shared by panels, the REST API and the
role policy.

A module per subject (``monitoring``) gives its field names, help texts, the values a form is
filled with (``initial_values``) and the edit functions that write changed fields
(``Edit = Callable[[Document], None]``, applied by ``piranha_web.save_service``).  The web
panels add forms and pages on top; nothing here imports the web layer.
"""
