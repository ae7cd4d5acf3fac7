"""influsim: agent-based simulation of influencer-marketing campaigns."""

__version__ = "0.1.0"
