"""swos family: the MikroTik CSS610 PoE switch (SwOS Lite `.b` endpoints over HTTP Digest) and its simulator."""
