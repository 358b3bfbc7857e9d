"""conform"""
