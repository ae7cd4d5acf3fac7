"""One campaign: strategies, outreach, the optimiser, and the Mesa model and agents."""
