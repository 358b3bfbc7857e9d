"""journeymap"""
