"""The stall till: its rules (pure) and, on top, its pages and JSON answers (DESIGN section 9.2)."""
