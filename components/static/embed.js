/* Stallkit embed loader: written by the embedding work. */
