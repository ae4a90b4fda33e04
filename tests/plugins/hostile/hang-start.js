// Never gets past its top level.
while (true) { /* spin */ }
