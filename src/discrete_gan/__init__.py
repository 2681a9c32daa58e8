"""Importance-sampled GAN training for discrete sequence generators (Toth)."""
