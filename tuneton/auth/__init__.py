"""Who the caller is and what a URL lets them fetch: sign-in, sessions, signed media URLs."""
