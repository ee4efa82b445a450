"""The listings' life: cells and rows checked, located, imported, exported, edited."""
