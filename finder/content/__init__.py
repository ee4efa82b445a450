"""The education pages' Markdown: load, check and render."""
