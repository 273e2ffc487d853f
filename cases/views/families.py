"""A family in one form: a mother (or another caregiver) and her children registered together."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from repat.core.views import PermissionMixin, SingleSubmitMixin, add_action_errors

from .. import actions, permissions
from ..forms import CaregiverForm, ChildFormSet, DistinctPersonForm, FamilyCaseForm, FamilySharedForm
from ..forms.families import MAX_PEOPLE
from .registration import ReturneeRegisterView

ADD_ROW = "add_row"


class FamilyRegisterView(PermissionMixin, SingleSubmitMixin, TemplateView):
    """Register a household in one go: what its people share once, the mother or caregiver, a row
    per child (added and removed in the page, or by the "add another child" button and a row's
    "remove" box without JavaScript), one save, one duplicate check, a case each.

    The duplicate panel is the single registration's (`ReturneeRegisterView`): one panel for all
    the matches of the family, each saying whom of the family it resembles, and one confirmation
    with a reason registers everyone."""

    template_name = "cases/family_register.html"
    permission = staticmethod(permissions.can_register_returnee)

    def load_objects(self):
        self.family = None
        if "pk" in self.kwargs:
            self.family = get_object_or_404(permissions.families_in_scope(self.request.user), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        initial = {"family": self.family.pk} if self.family else {}
        return self.render(
            FamilySharedForm(),
            CaregiverForm(),
            ChildFormSet(),
            FamilyCaseForm(user=request.user, initial=initial),
            DistinctPersonForm(),
        )

    def post(self, request, *args, **kwargs):
        done = self.previous_submission(request.POST.get("form_token", ""))
        if done:
            return redirect(done)
        data = request.POST
        adding = ADD_ROW in data
        if adding:  # without JavaScript: the same page with one more row, nothing checked yet
            data = data.copy()
            total = data.get("child-TOTAL_FORMS", "")
            data["child-TOTAL_FORMS"] = str(min(int(total) + 1, MAX_PEOPLE) if total.isdigit() else 1)
        user = request.user
        shared, carer, children = FamilySharedForm(data), CaregiverForm(data), ChildFormSet(data)
        case_form, distinct_form = FamilyCaseForm(data, user=user), DistinctPersonForm(data)
        if adding:
            return self.render(shared, carer, children, case_form, distinct_form, quiet=True)
        matches = None
        valid = [form.is_valid() for form in (shared, carer, children, case_form, distinct_form)]
        people = self.people(carer, children)
        if all(valid) and self.check_births(shared, people):
            distinct = ReturneeRegisterView.distinct(distinct_form)
            token = case_form.cleaned_data["form_token"]
            try:
                return redirect(self.run_once(token, lambda: self.perform(shared, people, case_form, distinct)))
            except actions.ProbableDuplicates as found:
                matches = self.matches_for(found, people)
                distinct_form = ReturneeRegisterView.ask_again(found, distinct_form, distinct)
            except actions.PersonInvalid as error:
                add_action_errors(error, people[error.index], shared, case_form)
            except ValidationError as error:
                add_action_errors(error, case_form, shared)
        return self.render(shared, carer, children, case_form, distinct_form, matches)

    @staticmethod
    def people(carer, children) -> list:
        """The forms of the people to register, in order: the caregiver when given, then each child
        row that was filled in and not removed."""
        rows = [carer] if carer.has_changed() else []
        for index, form in enumerate(children.forms):
            if children._should_delete_form(form):
                continue
            if form.has_changed() or index < children.min_num:
                rows.append(form)
        return rows

    @staticmethod
    def check_births(shared, people) -> bool:
        """Nobody born after the family's arrival: said in the person's row, where the mistake
        usually is (the arrival date is typed once for all)."""
        arrival = shared.cleaned_data.get("arrival_date")
        fine = True
        for form in people:
            born = form.cleaned_data.get("date_of_birth")
            if arrival and born and born > arrival:
                form.add_error("date_of_birth", _("Born after the family's date of arrival: check either date."))
                fine = False
        return fine

    @staticmethod
    def matches_for(found, people) -> list:
        """The matches, each told whom of the family it resembles (`for_people`)."""
        people_of = getattr(found, "people_of", {})
        for match in found.matches:
            names = [people[i].person().full_name for i in people_of.get(match.returnee_id, [])]
            match.for_people = ", ".join(names)
        return found.matches

    def perform(self, shared, people, case_form, distinct) -> str:
        data = case_form.cleaned_data
        registered = actions.family_register(
            actor=self.request.user,
            shared=shared.shared_data(),
            people=[form.person() for form in people],
            family=data["family"],
            new_family_name=data["new_family_name"],
            worker=data.get("worker"),
            risk_level=data["risk_level"],
            risk_reason=data["risk_reason"],
            distinct=distinct,
        )
        messages.success(
            self.request,
            ngettext(
                "%(count)s person was registered and their case opened: %(names)s.",
                "%(count)s people were registered and their cases opened: %(names)s.",
                len(registered),
            )
            % {"count": len(registered), "names": ", ".join(r.full_name for r in registered)},
        )
        return registered[0].membership.family.get_absolute_url()

    def render(self, shared, carer, children, case_form, distinct_form, matches=None, quiet=False):
        if quiet:  # a row was added: the half-typed rows are not wrong yet
            for form in (shared, carer, *children.forms, case_form):
                form.helper.form_show_errors = False
        for form in children.forms:
            if form.is_bound and form["DELETE"].value():  # removed: its errors do not matter
                form.helper.form_show_errors = False
        matches = matches or []
        return self.render_to_response(
            self.get_context_data(
                family=self.family,
                shared_form=shared,
                carer_form=carer,
                children=children,
                case_form=case_form,
                distinct_form=distinct_form,
                quiet=quiet,
                max_people=MAX_PEOPLE,
                matches=matches,
                visible_matches=[match for match in matches if match.visible],
                hidden_match=any(not match.visible for match in matches),
            )
        )
