"""The integration use cases, one module per group: each public function is the one write path
(or the one read) of its use case, shared by the API, the admin and the tests."""
