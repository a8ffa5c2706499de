"""The VIRTUAL SERVERS panel and its VIRTUAL SERVER subsection.

``views`` holds blueprint ``virtual``, ``form`` the VIRTUAL SERVER form.
"""
