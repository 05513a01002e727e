"""The partner portal: a publisher's licences, feed keys and licensing requests."""
