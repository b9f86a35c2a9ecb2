"""Pure rules of the model: arrays in, arrays out, randomness only through a Generator passed in.

One module per subject: sampling, labour, firms, housing, choice, workers, programmes, demography.
"""
