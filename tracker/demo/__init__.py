"""The demo record (data files and the orchestrator that writes it through the services) and synthetic volume."""
