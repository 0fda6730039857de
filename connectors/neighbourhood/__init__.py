"""Neighbourhood connectors: Decidim (GraphQL polling) and a generic neighbourhood webhook."""
