import numpy as np, sys, time
from hubsim.experiments.replications import resolve
from hubsim.engine import HubModel
from hubsim.scenario import SECTORS
args = sys.argv[1:]
path = args[0] if args and args[0].endswith('.yaml') else 'scenarios/baseline.yaml'
sets = [a for a in args if '=' in a]
sc = resolve(path, months=240, overrides=sets)
m = HubModel(sc)
keys = list(m.state.cities.keys)
T1 = [0,1,2,3]; H = [keys.index(k) for k in ('chengdu','xian','wuhan')]
t = time.time()
for month in range(240):
    m.step()
    st = m.state
    if month % 24 == 0 or month == 239:
        b = st.branches
        met = st.metrics
        print(st.calendar.year(), f"offices={st.firms.office_open.sum()} branches={int(b.sum())} t1->CD/XA/WH={b[np.ix_(T1,H)].sum(0)} firms={st.firms.alive.sum()}",
              'unemp', np.round((met['unemployed']/(met['employed']+met['unemployed']))[[0,1,5,12]],3),
              'widx_t', np.round(st.wage_index[[0,1,5,9,12],1],2), 'widx_o', np.round(st.wage_index[[0,1,5,12],0],2),
              'occ', np.round(met['office_occupancy'][[0,1,5,12]],2))
print('time', time.time()-t)
sm = st.sector_metrics
jobs = sm['jobs'][:-1]
share = jobs / jobs.sum(1, keepdims=True)
np.set_printoptions(linewidth=200, precision=3, suppress=True)
print('job shares end\n', share)
print('talent', np.round(st.metrics['talent'][:-1]/1e6,2))
