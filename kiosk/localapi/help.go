package localapi

import (
	"errors"
	"net/http"

	"motcua/kiosk/engine"
)

// Help for desk software (issue 19, office link): the calls of the
// office's kiosks open on this machine (GET /v1/help), and "Tôi đến ngay"
// (POST /v1/help/answer), which sends the answer to the office's machines
// as the desk app's banner does. The calls name machines and steps only,
// so any paired application may see and answer them.

// HelpCalls is GET /v1/help's body.
type HelpCalls struct {
	Calls []HelpRequest `json:"calls"`
}

func (s *Server) getHelp(w http.ResponseWriter, r *http.Request, app *App) {
	out := HelpCalls{Calls: []HelpRequest{}}
	for _, c := range s.eng.View().HelpCalls {
		out.Calls = append(out.Calls, HelpRequest{Kiosk: c.Kiosk, Step: c.Step, VisitStep: c.Visit,
			VisitSteps: engine.VisitSteps, CallID: c.ID, Office: c.Office, Remote: c.Remote})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) postHelpAnswer(w http.ResponseWriter, r *http.Request, app *App) {
	var body struct {
		CallID string `json:"call_id"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	switch err := s.eng.AnswerHelp(body.CallID); {
	case errors.Is(err, engine.ErrNoHelpLink):
		apiError(w, http.StatusConflict, "no_office_link", "this machine has no office link ([office] in the configuration)")
		return
	case errors.Is(err, engine.ErrNoSuchCall):
		apiError(w, http.StatusNotFound, "no_such_call", "no open call for help with that call_id (answered or expired)")
		return
	case err != nil:
		apiError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	s.log.Info("help call answered by an application", "app_name", app.Name, "call", body.CallID)
	writeJSON(w, http.StatusOK, map[string]string{"call_id": body.CallID, "desk": s.eng.Device(), "answer": "coming"})
}
