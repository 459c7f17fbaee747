"""caseload page."""

import streamlit as st

st.title("Caseload")
st.info("This page is being built.")
