import numpy as np, sys
from hubsim.experiments.replications import resolve
from hubsim.engine import HubModel
from hubsim.scenario import SECTORS
sets = sys.argv[1:]
sc = resolve('scenarios/baseline.yaml', months=24, overrides=sets)
m = HubModel(sc)
st = m.state
f = st.firms
keys = [k[:4] for k in st.cities.keys]
np.set_printoptions(linewidth=200, precision=3, suppress=True)
print('firms', f.n_firms, 'offices', f.n_offices, 'branches', (~f.hq_offices()).sum())
print('branches hq x city\n', '      ' + ' '.join(f'{k:>5}' for k in keys))
for i,k in enumerate(keys): print(f'{k:>5}', ' '.join(f'{int(v):5d}' for v in st.branches[i]))
print('tau\n', st.talent_share_start[:-1])
A = st.base_productivity; c = st.unit_cost_start
g = (A / c**0.7)**(1/0.3)
print('profit index rel to beijing, per sector\n', (g/g[0])[:-1])
