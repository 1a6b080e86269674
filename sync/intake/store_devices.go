package intake

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/sync/heartbeat/wire"
)

// AddDevice implements Backend.
func (s *Store) AddDevice(_ context.Context, d Device) error {
	if err := d.check(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		devs, creds, names := tx.Bucket(bDevices), tx.Bucket(bCreds), tx.Bucket(bNames)
		if devs.Get([]byte(d.ID)) != nil || names.Get([]byte(d.Name)) != nil {
			return ErrDeviceExists
		}
		for _, c := range d.Credentials {
			if creds.Get([]byte(c)) != nil {
				return ErrDeviceExists
			}
			if err := creds.Put([]byte(c), []byte(d.ID)); err != nil {
				return err
			}
		}
		if err := names.Put([]byte(d.Name), []byte(d.ID)); err != nil {
			return err
		}
		return putJSON(devs, d.ID, d)
	})
}

// Devices implements Backend.
func (s *Store) Devices(context.Context) ([]Device, error) {
	var out []Device
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDevices).ForEach(func(_, v []byte) error {
			var d Device
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// RevokeDevice implements Backend.
func (s *Store) RevokeDevice(_ context.Context, id string, at time.Time) error {
	return s.updateDevice(id, func(d *Device) {
		if d.RevokedAt.IsZero() {
			d.RevokedAt = at.UTC()
		}
	})
}

// DeviceByCredential implements Backend.
func (s *Store) DeviceByCredential(_ context.Context, cred string) (Device, error) {
	var d Device
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bCreds).Get([]byte(cred))
		if id == nil {
			return ErrNoDevice
		}
		v := tx.Bucket(bDevices).Get(id)
		if v == nil {
			return ErrNoDevice
		}
		return json.Unmarshal(v, &d)
	})
	return d, err
}

// PutHeartbeat implements Backend.
func (s *Store) PutHeartbeat(_ context.Context, device string, hb wire.Report, at time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDevices)
		v := b.Get([]byte(device))
		var d Device
		switch {
		case v == nil && device == PilotDevice:
			d = pilotRecord(at)
		case v == nil:
			return ErrNoDevice
		default:
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
		}
		counts := hb.Counts
		hb.Counts = nil // the latest state; counts go to the month
		d.LastHeartbeat, d.LastHeartbeatAt = &hb, at.UTC()
		if err := putJSON(b, device, d); err != nil {
			return err
		}
		if len(counts) == 0 {
			return nil
		}
		cb := tx.Bucket(bCounts)
		k := at.In(Vietnam).Format("2006-01") + "/" + device
		sum := wire.Counts{}
		if v := cb.Get([]byte(k)); v != nil {
			if err := json.Unmarshal(v, &sum); err != nil {
				return err
			}
		}
		sum.Add(counts)
		return putJSON(cb, k, sum)
	})
}

// Counts implements Backend.
func (s *Store) Counts(_ context.Context, month string) (map[string]wire.Counts, error) {
	out := map[string]wire.Counts{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCounts).Cursor()
		prefix := []byte(month + "/")
		for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var cs wire.Counts
			if err := json.Unmarshal(v, &cs); err != nil {
				return err
			}
			out[string(k[len(prefix):])] = cs
		}
		return nil
	})
	return out, err
}

func (s *Store) updateDevice(id string, f func(*Device)) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bDevices)
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNoDevice
		}
		var d Device
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		f(&d)
		return putJSON(b, id, d)
	})
}

// Tally implements Backend (a scan of every dossier).
func (s *Store) Tally(_ context.Context, from, to time.Time) ([]Tally, error) {
	type k struct{ dev, svc, ch string }
	m := map[k]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDossiers).ForEach(func(_, v []byte) error {
			var d Dossier
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if !from.IsZero() && d.FirstAt.Before(from) || !to.IsZero() && !d.FirstAt.Before(to) {
				return nil
			}
			ch := d.Channel
			if ch == "" {
				ch = ChannelOf(d.Payload)
			}
			m[k{ownerOf(d.Device), d.Service, ch}]++
			return nil
		})
	})
	out := make([]Tally, 0, len(m))
	for key, n := range m {
		out = append(out, Tally{key.dev, key.svc, key.ch, n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Device != b.Device {
			return a.Device < b.Device
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Channel < b.Channel
	})
	return out, err
}
