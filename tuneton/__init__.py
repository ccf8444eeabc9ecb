"""tuneTON: an event-sourced music streaming backend with on-the-fly pitch and tempo."""
