"""The user context: a listener's profile, keyed by their Telegram user id."""
