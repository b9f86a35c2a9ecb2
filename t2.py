import numpy as np, time, sys
import hubsim.engine.world as W
orig = W._fixed_point
rounds = []
def fp(*a):
    rounds.append(1); return orig(*a)
W._fixed_point = fp
from hubsim.experiments.replications import resolve
from hubsim.engine import HubModel
t=time.time()
m = HubModel(resolve('scenarios/baseline.yaml', months=12, overrides=sys.argv[1:]))
st=m.state; f=st.firms
print('rounds', len(rounds), 'build', round(time.time()-t,2), 'branches', (f.office_open & ~f.hq_offices()).sum())
n0 = f.n_offices; open0 = f.office_open.copy()
for k in range(12):
    m.step()
print('after 12 months: opened', f.n_offices - n0, 'closed', (open0 & ~f.office_open[:n0]).sum(), 'unemp GY', round(st.metrics['unemployed'][12]/(st.metrics['unemployed'][12]+st.metrics['employed'][12]),3))
