"""Single sign-on through django-allauth's social accounts (docs/sso.md).

- :mod:`.config`: what settings read at start-up (providers from the environment, SAML's
  availability); imports no model.
- :mod:`.claims`: what a provider says about a person (groups, a username to offer).
- :mod:`.login`: what a sign-in through a provider does here (affiliation, community roles).
- :mod:`.passwords`: e-mail domains whose members must use single sign-on.
"""
