import numpy as np
from hubsim.experiments.replications import resolve
from hubsim.engine import HubModel
from hubsim.engine.phases import firms
sc = resolve('scenarios/baseline.yaml', months=12)
m = HubModel(sc); st = m.state
f = st.firms
firms.run(st, dynamic=False)
n=14
D = np.bincount(f.office_city, weights=st.desired, minlength=n); S = np.bincount(f.office_city, weights=st.staff, minlength=n)
Dt = np.bincount(f.office_city, weights=st.desired_talent, minlength=n); St = np.bincount(f.office_city, weights=st.staff_talent, minlength=n)
np.set_printoptions(precision=3, suppress=True, linewidth=200)
print('D/S', D[:-1]/S[:-1]); print('Dt/St', Dt[:-1]/St[:-1])
print('seats/seated', st.office_seats[:-1]/st.scale/firms.seated_talent(st)[:-1])
