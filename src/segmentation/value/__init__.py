"""Customer value models ("buy till you die"), one model per module as in pymc-marketing.

- `beta_geo`: BG/NBD (Fader, Hardie & Lee 2005);
- `modified_beta_geo`: MBG/NBD (Batislam, Denizel & Filiztekin 2007);
- `gamma_gamma`: Gamma-Gamma spend (Fader & Hardie 2013);
- `simple`: the stated simple estimates used when every fitted model is degenerate;
- `fitting`: fit the candidates, detect degenerate estimates, choose one per fit;
- `scoring`: probability alive, expected purchases, revenue and discounted value;
- `summary`: the standard BTYD summary from transactions (the pandas reference of the SQL);
- `utils`: input checks, the optimiser and special functions shared by the models.
"""
