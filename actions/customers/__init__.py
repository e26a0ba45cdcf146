"""Actions that shape the service by who the customer is (issue 19): the greeting by name."""
