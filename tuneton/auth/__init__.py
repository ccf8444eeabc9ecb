"""Identity for both APIs: Telegram initData / Login Widget checks, access and refresh tokens, dev mode.

``telegram`` and ``widget`` validate what Telegram signed; ``tokens`` issues and checks our own signed
tokens; ``service`` turns an ``Authorization`` header into an ``Identity``; ``http`` is the FastAPI
dependency (``CurrentUser``) that the command and query APIs share; ``media_urls`` signs the media
URLs a plain player fetches without a header. See docs/auth.md and docs/gateway-and-media.md.
"""
