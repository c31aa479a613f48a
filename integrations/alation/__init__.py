"""The Alation client: records, parsers, authentication, paging, jobs and the client itself."""
