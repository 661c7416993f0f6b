"""What the tests share besides fixtures: pages read as a person reads them (pages.py),
the flow of a person (flows.py), mails and their links (mail.py), and walking a browser
through the activation (walkers.py, walks.py)."""
