"""Actions that shape the service by who the customer is (issue 19): the greeting by name (a package
named after no top-level package: rasa-sdk walks ``actions.customers`` as if it were ``customers``)."""
