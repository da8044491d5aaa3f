import os, sys, time, torch
torch.set_num_threads(int(os.environ.get("THREADS", "1")))
from vaessl_lib import train_method
from vaessl_lib.models.m1m2 import M1M2
t = time.time()
kw = dict(a.split("=") for a in sys.argv[1:])
def conv(v):
    try: return int(v)
    except ValueError:
        try: return float(v)
        except ValueError: return v
kw = {k: conv(v) for k, v in kw.items()}
epochs = kw.pop("epochs", 20)
seed = kw.pop("seed", 0)
# exploration only: M1 depends on (m1 sizes, m1_epochs, seed) alone; train it once and reuse it
_orig = M1M2.pretrain_m1
def cached(self, x, seed=0, progress=True, log=print):
    c = self.config
    path = f"/tmp/m1m2/m1_{c.m1.latent}_{c.m1.hidden}_{c.m1.layers}_{c.m1_epochs}_{seed}.pt"
    if os.path.exists(path):
        self.m1.load_state_dict(torch.load(path)); self.m1_trained.fill_(True)
        print("M1 loaded from", path, flush=True); return []
    h = _orig(self, x, seed=seed, progress=progress, log=log)
    torch.save(self.m1.state_dict(), path + ".tmp"); os.replace(path + ".tmp", path)
    return h
M1M2.pretrain_m1 = cached
r = train_method('m1m2', 'mnist', 100, seed=seed, epochs=epochs, score_test=False, progress=False,
                 eval_unlabeled=False, log=lambda s: print(s, flush=True), **kw)
print("RESULT", kw, "epochs", epochs, "val", r.val_accuracy, "curve", [round(a, 4) for a in r.history.column("val_accuracy")], "seconds", round(time.time() - t), flush=True)
