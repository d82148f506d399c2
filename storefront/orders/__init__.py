"""Orders: what was bought, how each part is fulfilled, what was paid and refunded, and what came back."""
