"""Phone connectors: Asterisk CDR files and a CTI webhook."""
