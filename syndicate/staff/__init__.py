"""The staff console: articles, images and the desk's dashboards."""
