"""The world a campaign runs in: people, their peer graph, and the candidate creators."""
